"""The U-Net example (short settings) tells discs from squares, not only bright from dark."""
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import unet_segmentation  # noqa: E402


def test_unet_segments_discs_and_squares():
    with threadpool_limits(1, user_api="blas"):  # small matmuls: one thread is fastest
        accuracy, (background, disc, square) = unet_segmentation.main(
            steps=150, batch=16, train_images=256, log_every=0)
    # all background would give accuracy ~0.75 and IoU 0 for both shapes; brightness alone
    # cannot separate the two shapes' pixels
    assert accuracy > 0.93 and background > 0.95
    assert disc > 0.3 and square > 0.5
