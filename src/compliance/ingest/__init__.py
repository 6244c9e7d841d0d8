"""Reading submissions: untrusted workbooks, flat tables and archives into Submission values."""
