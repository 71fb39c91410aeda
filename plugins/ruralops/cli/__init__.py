"""The ``ruralops`` command-line tool."""
