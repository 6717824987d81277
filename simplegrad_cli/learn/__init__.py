"""The learning track: `simplegrad learn start DIR` lays out stubs of the engine's key pieces,
`simplegrad learn check DIR` grades them (the library's own pieces are the answers)."""
