"""The data sources `simplegrad.data.load` reads, one SourceSpec each, in the order an address
is matched: bundled digits, synthetic problems, the Hugging Face hub, local files (tables, image
folders, .npz, MNIST IDX). A new kind of source is one SourceSpec added here."""
from simplegrad.data import synthetic
from simplegrad.data.sources import bundled, hub, local, npy_pair

SOURCES = [bundled.SOURCE, synthetic.SOURCE, npy_pair.SOURCE, hub.SOURCE,
           local.SOURCE]  # local paths: last
