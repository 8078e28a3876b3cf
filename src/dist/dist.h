/* Distributed runs: `c6 coordinator` and `c6 agent` (see README,
 * "Distributed runs"). argv[0] is the first argument after the command. */
#ifndef C6_DIST_H
#define C6_DIST_H
int coordinator_main(int argc, char **argv);
int agent_main(int argc, char **argv);
#endif
