"""The data sources `simplegrad.data.load` reads besides the synthetic problems: bundled
digits, the Hugging Face hub, local files (tables, image folders, .npz, MNIST IDX)."""
