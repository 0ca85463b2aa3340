"""Each role's pages, one folder a role: its controllers, the reads its pages need, its presenters."""
