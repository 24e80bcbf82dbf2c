"""Enterprise imports: uploads checked, applied all-or-nothing, run inline or as jobs."""
