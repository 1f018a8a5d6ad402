tttd-train --help
