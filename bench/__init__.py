"""``make bench``: the back-office at national scale, beside the floor and beside a peer (issue 8)."""
