"""Every write of the work app: teams and invitations, tasks and the board, comments and attachments."""
