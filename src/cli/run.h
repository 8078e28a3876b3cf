/* `c6 run`: loads the script, runs the test, prints the summary. */
#ifndef C6_RUN_H
#define C6_RUN_H
int run_main(int argc, char **argv); /* argv[0] is the first argument after "run" */
/* c6 inspect [--execution-requirements] [run's flags] script.js: the
 * consolidated options as JSON on stdout (with maxVUs and totalDuration
 * added when asked), exit 0, or the run's exit code for a bad script or
 * bad options. argv[0] is the first argument after "inspect". */
int run_inspect_main(int argc, char **argv);
/* `c6 archive [flags] script.js`: k6's archive of the test (-O file, default archive.tar). */
int run_archive_main(int argc, char **argv);
#endif
