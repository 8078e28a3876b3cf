/* The test-run service (README "Test-run service"): `c6 server`, the
 * pooled `c6 agent --server URL`, `c6 cloud run|stop`. argv[0] is the first
 * argument after the command. */
#ifndef C6_SERVICE_H
#define C6_SERVICE_H
#include <stdbool.h>
#define SERVICE_DEFAULT_LISTEN "127.0.0.1:6567"
int server_main(int argc, char **argv);
int pool_agent_main(int argc, char **argv);
int cloud_main(int argc, char **argv);
/* true when `c6 agent`'s arguments ask for the pooled agent (--server) */
bool pool_agent_wanted(int argc, char **argv);
#endif
