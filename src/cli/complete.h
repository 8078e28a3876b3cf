/* complete.h - shell completion, as k6 has it through cobra:
 *   `c6 completion bash|zsh|fish|powershell [--no-descriptions]` prints a
 *   script for the shell; the script asks c6 itself for the candidates,
 *   `c6 __complete WORD... CURRENT` (cobra's hidden command, and
 *   __completeNoDesc without the descriptions), which answers one candidate
 *   a line ("name<TAB>description") and a last line ":DIRECTIVE" (cobra's
 *   bits: 4 = do not fall back to file names).
 * The candidates come from the tables the commands parse with: run's flags
 * (cli/args.c), the control commands' (cli/control.c), convert's
 * (cli/convert.c), and the command list here. */
#ifndef C6_CLI_COMPLETE_H
#define C6_CLI_COMPLETE_H

/* argv: after "completion". Exit code 0, or 255 for an unknown shell. */
int complete_script_main(int argc, char **argv);
/* argv: after "__complete": the words typed after "c6", the last being
 * the one completed ("" for a new word). Always exits 0. */
int complete_words_main(int argc, char **argv);
/* The same without descriptions (`__completeNoDesc`). */
int complete_words_nodesc_main(int argc, char **argv);

#endif
