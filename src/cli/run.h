/* `c6 run`: loads the script, runs the test, prints the summary. */
#ifndef C6_RUN_H
#define C6_RUN_H
int run_main(int argc, char **argv);   /* argv[0] is the first argument after "run" */
#endif
