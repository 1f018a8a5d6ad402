tttd-space --version
