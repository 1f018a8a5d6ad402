/*
 * network: opens a TCP socket and listens on 127.0.0.1 (any port), and says
 * so on stderr.  Before the sandbox: "network: listening" in the record.
 * After: socket is refused (status crash, the call named).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	static int done;
	struct sockaddr_in a;
	int s;

	if (!done++ && (s = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s, 1) == 0)
			fprintf(stderr, "network: listening\n");
		close(s);
	}
	vadd(buf, dim);
}
