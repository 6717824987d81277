"""A kind of data source as one `SourceSpec`: how its address is written, how it loads and
describes a split, its options and their docs, whether it needs the network, the local files it
reads. `simplegrad.data.sources` lists the specs; `loading.py` finds an address's spec."""
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass(frozen=True)
class SourceOption:
    """One source option: its docs and, where the loader does not check it itself, what it
    must be (`expected` in words, `check(value)` -> bool)."""

    doc: str
    expected: Optional[str] = None
    check: Optional[Callable] = None


NUM_CLASSES = SourceOption("the number of classes (synthetic: how many to make, moons and xor "
                           "have 2; other sources: overrides the count, labels must still be in "
                           "range)")


@dataclass(frozen=True)
class SourceSpec:
    """Everything simplegrad knows about one kind of data source.

    `load(address, split, **options)` -> ArrayDataset and `describe(address, split, **options)`
    -> (per-sample shape, classes) or None (only loading can tell) receive the options this
    source takes. An address is this source's if it starts with one of `prefixes`, or if
    `matches(address)` says so. `files(address)` names the local files or folder it reads (a
    command must never write over them); `absolute(address)` is the address that reads the
    same data from any working folder.
    """

    kind: str
    written: str  # how an address is written, short, for help texts: "synthetic:NAME"
    doc: str  # the same in a sentence of docs: "`synthetic:NAME`", "a local path"
    reads: str  # what it reads, for the docs' table of sources
    load: Callable
    options: dict = field(default_factory=dict)  # name -> SourceOption
    prefixes: tuple = ()
    describe: Optional[Callable] = None
    matches: Optional[Callable] = None
    network: bool = False
    files: Callable = lambda address: []
    absolute: Callable = lambda address: address
    shape_from: str = "the source"  # where `describe` finds the shape, in words

    def accepts(self, address):
        """Whether `address` names data of this source."""
        return address.startswith(self.prefixes) or bool(self.matches and self.matches(address))
