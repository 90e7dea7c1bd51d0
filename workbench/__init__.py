"""Interview Workbench: an open research workbench for AI job interviews.

The package follows the loop of an AI interview: job profile -> resume parsing -> adaptive questions ->
real-time answer feedback -> scoring -> data review -> bias audit -> better profile.
"""

__version__ = "0.1.0"
