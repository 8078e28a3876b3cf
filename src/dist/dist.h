/* Distributed runs: `c6 coordinator` and `c6 agent` (see README,
 * "Distributed runs"). argv[0] is the first argument after the command. */
#ifndef C6_DIST_H
#define C6_DIST_H
int coordinator_main(int argc, char **argv);
int agent_main(int argc, char **argv);

struct c6_run_args;
/* The run flags a coordinator cannot take (--paused, --linger, the
 * execution segments): logs why and returns -1, else 0. `c6 kube` refuses
 * them the same way. */
int coordinator_refuses(const struct c6_run_args *a);
#endif
