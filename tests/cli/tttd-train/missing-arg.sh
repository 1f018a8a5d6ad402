#!/bin/sh
# A missing option argument: one line, the synopsis, the Try line, exit 2.
tttd-train -o
