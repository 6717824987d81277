"""Picture files of every kind training and `predict` must read alike (shared by the data and
CLI tests: tests/ is on sys.path)."""
import struct
import zlib

import numpy as np


def picture_files(folder):
    """One small file of each kind in `folder`: grey and RGBA PNGs, a 16-bit PNG, a float
    TIFF and a JPEG whose EXIF says it is turned by 90 degrees; {name: path}."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    made = {}

    def save(name, image, **options):
        image.save(folder / name, **options)
        made[name] = folder / name

    save("grey.png", Image.fromarray(rng.integers(0, 256, (6, 9), dtype=np.uint8)))
    save("rgba.png", Image.fromarray(rng.integers(0, 256, (6, 9, 4), dtype=np.uint8)))
    save("deep.png", Image.fromarray(rng.integers(0, 65536, (6, 9), dtype=np.uint16)))
    save("float.tif", Image.fromarray(rng.random((6, 9), dtype=np.float32)))
    turned = Image.fromarray(rng.integers(0, 256, (6, 9, 3), dtype=np.uint8))
    exif = turned.getexif()
    exif[0x0112] = 6  # the camera was held sideways: shown rotated by 90 degrees
    save("turned.jpg", turned, exif=exif, quality=100)
    return made


def png_header_only(width, height):
    """A valid PNG signature and header declaring width x height pixels, and no pixel data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
