"""Read pickles from stdin, check what they are, and write them pickled again to stdout.

The other side of the test of pickling across a process boundary; the objects are rebuilt
here from their pickles only.
"""

from __future__ import annotations

import pickle
import sys

values = pickle.loads(sys.stdin.buffer.read())
names = [type(value).__name__ for value in values]
sys.stdout.buffer.write(pickle.dumps((names, values)))
