"""What a run leaves behind: the report, its trace and the file formats that write them."""
