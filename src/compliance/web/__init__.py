"""The web portal (issue 16): upload intake first; views, accounts and the server follow."""
