"""Every `path:LINE SYMBOL` reference in the docs points at the symbol it names (doc_refs.py)."""
import pytest
from doc_refs import DOCS, ROOT, fix, locate, references


@pytest.mark.parametrize("path", [p for p in DOCS if p.exists()],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_line_references_point_at_their_symbols(path):
    wrong = [f"{written} should read {right}"
             for written, right in references(path.read_text()) if written != right]
    assert not wrong, ("; ".join(wrong) + " (run: python tests/doc_refs.py --fix)")


def test_the_reading_guides_use_references():
    """The README's reading order and the PyTorch map of derivations.md are made of them."""
    assert len(references((ROOT / "README.md").read_text())) >= 4
    assert len(references((ROOT / "docs" / "derivations.md").read_text())) >= 12


def test_a_moved_symbol_is_caught_and_fixed(tmp_path):
    start, end = locate("simplegrad/autograd.py", "Function.apply")
    doc = tmp_path / "doc.md"
    doc.write_text(f"see `simplegrad/autograd.py:{start + 3}-{end} Function.apply` and "
                   f"`simplegrad/tensor.py:1 Tensor to Tensor.detach`\n")
    assert [w == r for w, r in references(doc.read_text())] == [False, False]
    assert fix(doc) and not fix(doc)
    assert f"`simplegrad/autograd.py:{start}-{end} Function.apply`" in doc.read_text()
    assert all(w == r for w, r in references(doc.read_text()))
    with pytest.raises(LookupError, match="defines no Function.nothing"):
        references("`simplegrad/autograd.py:1 Function.nothing`")
