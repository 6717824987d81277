"""simplegrad_cli: the `simplegrad` command (train / eval / gradcheck / validate / info).

Thin over the library: config.py validates YAML, build.py turns it into data and a model,
train.py runs the loop, commands.py prints results, app.py wires it all to Typer.
"""
