"""Setting up and running a scheme: suspending it, its areas and organisations, and agreement reminders."""
