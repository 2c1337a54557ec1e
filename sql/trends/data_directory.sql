-- pgtune trends --capacity: where the data lives, to find the disk's free space on this machine.
SELECT current_setting('data_directory', true) AS data_directory;
