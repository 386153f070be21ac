"""Reading a child process's output while it runs, to act when it has said something.

Tests that start enms as a process wait for what it logs ("enms daemon started", "subscribing
to 1 topic filters") instead of sleeping a fixed time that a slower start could use up.
"""

from __future__ import annotations

import subprocess
import threading
import time


class Output:
    """The lines a process writes to one of its pipes, collected by a thread."""

    def __init__(self, process: subprocess.Popen[str], *, stderr: bool = False) -> None:
        self.process = process
        self.lines: list[str] = []
        pipe = process.stderr if stderr else process.stdout
        assert pipe is not None, "start the process with that pipe"
        self._reader = threading.Thread(target=lambda: self.lines.extend(pipe), daemon=True)
        self._reader.start()

    @property
    def text(self) -> str:
        return "".join(list(self.lines))

    def wait_for(self, fragment: str, timeout_s: float = 30.0) -> None:
        """Until a line contains ``fragment``; fails, showing the output, if the process ends
        or ``timeout_s`` passes first."""
        deadline = time.monotonic() + timeout_s
        while not any(fragment in line for line in list(self.lines)):
            assert self.process.poll() is None, f"ended before {fragment!r}:\n{self.text}"
            assert time.monotonic() < deadline, f"no {fragment!r} in {timeout_s} s:\n{self.text}"
            time.sleep(0.05)

    def finish(self, timeout_s: float = 30.0) -> str:
        """Wait for the process to end and the pipe to be read; everything it wrote."""
        self.process.wait(timeout=timeout_s)
        self._reader.join(timeout=10)
        return self.text
