"""The command line: the app, the options every command shares, the check, pack, inspect and
history commands, Ctrl-C and the progress bar."""
