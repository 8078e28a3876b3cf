/* complete.c - `c6 completion SHELL` and the candidates its scripts ask
 * for (`c6 __complete ...`), in the manner of cobra's completion command
 * (k6's): the scripts are small and fixed, c6 answers from its own tables. */
#include "cli/complete.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/control.h"
#include "cli/convert.h"
#include "util/log.h"

enum { DIR_NOFILE = 4 }; /* cobra's ShellCompDirectiveNoFileComp */

typedef enum { POS_NONE, POS_FILE, POS_SHELL, POS_CLOUD } positional;

static bool help_only(size_t i, cli_flag_info *out) {
    if (i) return false;
    *out = (cli_flag_info){"help", 'h', true, "help for the command"};
    return true;
}

static bool completion_flags(size_t i, cli_flag_info *out) {
    if (i == 0) {
        *out = (cli_flag_info){"no-descriptions", 0, true, "disable completion descriptions"};
        return true;
    }
    return help_only(i - 1, out);
}

/* c6's commands, as `c6 help` lists them (hidden ones excluded) */
static const struct {
    const char *name, *summary;
    cli_flag_iter flags;
    positional pos;
} COMMANDS[] = {
    {"run", "Start a test", args_run_flag_info, POS_FILE},
    {"inspect", "Inspect a script or archive", args_run_flag_info, POS_FILE},
    {"archive", "Create an archive", args_archive_flag_info, POS_FILE},
    {"convert", "Convert a HAR file to a k6 script", convert_flag_info, POS_FILE},
    {"coordinator", "Run a test over several agents", args_run_flag_info, POS_FILE},
    {"agent", "Join a coordinator's run or the service's pool", help_only, POS_NONE},
    {"server", "Run the test-run service", help_only, POS_NONE},
    {"cloud", "Run or stop a test on the service", args_run_flag_info, POS_CLOUD},
    {"kube", "Print the Kubernetes manifests of a distributed run", args_run_flag_info, POS_FILE},
    {"status", "Show test status", control_flag_info, POS_NONE},
    {"pause", "Pause a running test", control_flag_info, POS_NONE},
    {"resume", "Resume a paused test", control_flag_info, POS_NONE},
    {"scale", "Scale a running test", control_scale_flag_info, POS_NONE},
    {"stats", "Show test metrics", control_flag_info, POS_NONE},
    {"stop", "Stop a running test", control_flag_info, POS_NONE},
    {"target", "Serve the built-in test target", help_only, POS_NONE},
    {"new", "Create a test", help_only, POS_FILE},
    {"completion", "Generate the autocompletion script for the specified shell", completion_flags, POS_SHELL},
    {"version", "Show application version", help_only, POS_NONE},
    {"help", "Help about any command", help_only, POS_NONE},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static const char *const SHELLS[] = {"bash", "zsh", "fish", "powershell"};
static const char *const SHELL_HELP[] = {
    "Generate the autocompletion script for bash", "Generate the autocompletion script for zsh",
    "Generate the autocompletion script for fish", "Generate the autocompletion script for powershell"};
#define NSHELLS (sizeof SHELLS / sizeof SHELLS[0])

static void candidate(const char *prefix, const char *name, const char *help, bool desc) {
    if (desc && help && *help) printf("%s%s\t%s\n", prefix, name, help);
    else printf("%s%s\n", prefix, name);
}

static bool starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* The flag argv[i] names, when it takes a value given as the next word. */
static bool wants_value(cli_flag_iter it, const char *w) {
    cli_flag_info f;
    if (w[0] != '-' || !w[1] || strchr(w, '=')) return false;
    for (size_t i = 0; it(i, &f); i++) {
        if (w[1] == '-' ? !strcmp(w + 2, f.name) : (f.shorthand && w[strlen(w) - 1] == f.shorthand && !w[2]))
            return !f.is_bool;
    }
    return false;
}

static int complete_words(int argc, char **argv, bool desc) {
    const char *cur = argc > 0 ? argv[argc - 1] : "";
    int nprior = argc > 0 ? argc - 1 : 0;
    int directive = DIR_NOFILE;
    if (nprior == 0) { /* the command itself */
        if (cur[0] != '-')
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (starts(COMMANDS[i].name, cur)) candidate("", COMMANDS[i].name, COMMANDS[i].summary, desc);
        if (cur[0] == '-') {
            if (starts("--help", cur)) candidate("", "--help", "help for c6", desc);
            if (starts("--version", cur)) candidate("", "--version", "version for c6", desc);
        }
        printf(":%d\n", directive);
        return 0;
    }
    size_t c = 0;
    while (c < NCOMMANDS && strcmp(COMMANDS[c].name, argv[0])) c++;
    if (c == NCOMMANDS) {
        printf(":%d\n", directive);
        return 0;
    }
    cli_flag_iter it = COMMANDS[c].flags;
    cli_flag_info f;
    bool after_dashdash = false;
    int npos = 0; /* positional words before cur */
    for (int i = 1; i < nprior; i++) {
        if (after_dashdash || argv[i][0] != '-' || !argv[i][1]) npos++;
        else if (!strcmp(argv[i], "--")) after_dashdash = true;
        else if (wants_value(it, argv[i]) && i + 1 < nprior) i++;
    }
    if (!after_dashdash && wants_value(it, argv[nprior - 1]) && nprior > 1) {
        directive = 0; /* a flag's value: a file name, or anything */
    } else if (!after_dashdash && cur[0] == '-') {
        bool longs = cur[1] == '-';
        for (size_t i = 0; it(i, &f); i++) {
            if (starts(f.name, cur + (longs ? 2 : 1)) || !cur[1]) candidate("--", f.name, f.help, desc);
            if (!longs && f.shorthand && (!cur[1] || (cur[1] == f.shorthand && !cur[2]))) {
                char s[2] = {f.shorthand, 0};
                candidate("-", s, f.help, desc);
            }
        }
    } else if (COMMANDS[c].pos == POS_SHELL && npos == 0) {
        for (size_t i = 0; i < NSHELLS; i++)
            if (starts(SHELLS[i], cur)) candidate("", SHELLS[i], SHELL_HELP[i], desc);
    } else if (COMMANDS[c].pos == POS_CLOUD && npos == 0) {
        if (starts("run", cur)) candidate("", "run", "Run a test on the service", desc);
        if (starts("stop", cur)) candidate("", "stop", "Stop a test on the service", desc);
    } else if (COMMANDS[c].pos == POS_FILE || (COMMANDS[c].pos == POS_CLOUD && npos == 1)) {
        directive = 0;
    }
    printf(":%d\n", directive);
    return 0;
}

int complete_words_main(int argc, char **argv) { return complete_words(argc, argv, true); }
int complete_words_nodesc_main(int argc, char **argv) { return complete_words(argc, argv, false); }

/* ---- the scripts ---------------------------------------------------------
 * Each asks `c6 __complete` (or __completeNoDesc) with the words before the
 * cursor and the current one, reads candidates up to the ":N" line, and
 * falls back to file names when N lacks bit 4 and nothing matched. */

static const char BASH[] =
    "# bash completion for c6 (`c6 completion bash`)\n"
    "# load it in this shell: source <(c6 completion bash)\n"
    "_c6_complete() {\n"
    "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" directive=0 line\n"
    "    local -a out\n"
    "    COMPREPLY=()\n"
    "    mapfile -t out < <(\"${COMP_WORDS[0]}\" %s \"${COMP_WORDS[@]:1:COMP_CWORD-1}\" \"$cur\" 2>/dev/null)\n"
    "    for line in \"${out[@]}\"; do\n"
    "        case $line in\n"
    "        :[0-9]*) directive=${line#:} ;;\n"
    "        *) COMPREPLY+=(\"${line%%%%$'\\t'*}\") ;;\n"
    "        esac\n"
    "    done\n"
    "    if (( ${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then\n"
    "        mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
    "    fi\n"
    "}\n"
    "complete -o filenames -F _c6_complete c6\n";

static const char ZSH[] = "#compdef c6\n"
                          "# zsh completion for c6 (`c6 completion zsh`)\n"
                          "# load it in this shell: source <(c6 completion zsh)\n"
                          "_c6() {\n"
                          "    local -a out cands\n"
                          "    local line directive=0\n"
                          "    out=(\"${(@f)$(${words[1]} %s ${words[2,CURRENT-1]} \"${words[CURRENT]}\" "
                          "2>/dev/null)}\")\n"
                          "    for line in $out; do\n"
                          "        if [[ $line == :<-> ]]; then\n"
                          "            directive=${line#:}\n"
                          "        elif [[ $line == *$'\\t'* ]]; then\n"
                          "            cands+=(\"${${line%%%%$'\\t'*}//:/\\\\:}:${line#*$'\\t'}\")\n"
                          "        elif [[ -n $line ]]; then\n"
                          "            cands+=(\"${line//:/\\\\:}\")\n"
                          "        fi\n"
                          "    done\n"
                          "    if (( ${#cands} > 0 )); then\n"
                          "        _describe 'c6' cands\n"
                          "    elif (( (directive & 4) == 0 )); then\n"
                          "        _files\n"
                          "    fi\n"
                          "}\n"
                          "if [ \"$funcstack[1]\" = \"_c6\" ]; then\n"
                          "    _c6 \"$@\"\n"
                          "else\n"
                          "    compdef _c6 c6\n"
                          "fi\n";

static const char FISH[] = "# fish completion for c6 (`c6 completion fish`)\n"
                           "# load it in this shell: c6 completion fish | source\n"
                           "function __c6_complete\n"
                           "    set -l tokens (commandline -opc)\n"
                           "    set -l cur (commandline -ct)\n"
                           "    set -l directive 0\n"
                           "    set -l found 0\n"
                           "    for line in ($tokens[1] %s $tokens[2..-1] \"$cur\" 2>/dev/null)\n"
                           "        if string match -qr '^:[0-9]+$' -- $line\n"
                           "            set directive (string sub -s 2 -- $line)\n"
                           "        else if test -n \"$line\"\n"
                           "            echo $line\n"
                           "            set found 1\n"
                           "        end\n"
                           "    end\n"
                           "    if test $found = 0; and test (math \"bitand($directive, 4)\") = 0\n"
                           "        __fish_complete_path \"$cur\"\n"
                           "    end\n"
                           "end\n"
                           "complete -c c6 -e\n"
                           "complete -c c6 -f -a '(__c6_complete)'\n";

static const char POWERSHELL[] =
    "# powershell completion for c6 (`c6 completion powershell`)\n"
    "# load it in this shell: c6 completion powershell | Out-String | Invoke-Expression\n"
    "Register-ArgumentCompleter -Native -CommandName 'c6' -ScriptBlock {\n"
    "    param($WordToComplete, $CommandAst, $CursorPosition)\n"
    "    $words = @($CommandAst.CommandElements | ForEach-Object { $_.ToString() })\n"
    "    $rest = @($words | Select-Object -Skip 1)\n"
    "    if ($WordToComplete -ne '' -and $rest.Count -gt 0) { $rest = @($rest | Select-Object -SkipLast 1) }\n"
    "    $out = & $words[0] %s @rest \"$WordToComplete\" 2>$null\n"
    "    foreach ($line in $out) {\n"
    "        if ($line -match '^:[0-9]+$') { continue }\n"
    "        $parts = $line -split \"`t\", 2\n"
    "        $tip = if ($parts.Count -gt 1) { $parts[1] } else { $parts[0] }\n"
    "        [System.Management.Automation.CompletionResult]::new($parts[0], $parts[0], 'ParameterValue', $tip)\n"
    "    }\n"
    "}\n";

int complete_script_main(int argc, char **argv) {
    const char *shell = NULL;
    bool desc = true, help = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--no-descriptions") || !strcmp(argv[i], "--no-descriptions=true")) desc = false;
        else if (!strcmp(argv[i], "--no-descriptions=false")) desc = true;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) help = true;
        else if (argv[i][0] == '-') {
            log_printf(LOG_ERROR, "unknown flag: %s", argv[i]);
            return 255;
        } else if (!shell) shell = argv[i];
        else {
            log_printf(LOG_ERROR, "accepts 0 arg(s), received 1"); /* cobra, for `completion bash extra` */
            return 255;
        }
    }
    if (!shell || help) { /* cobra: the completion command alone prints its help */
        printf("Generate the autocompletion script for c6 for the specified shell.\n\n"
               "Usage:\n  c6 completion [command]\n\nAvailable Commands:\n");
        for (size_t i = 0; i < NSHELLS; i++) printf("  %-11s %s\n", SHELLS[i], SHELL_HELP[i]);
        printf("\nFlags:\n  -h, --help              help for completion\n"
               "      --no-descriptions   disable completion descriptions\n");
        return 0;
    }
    const char *fmt = !strcmp(shell, "bash")         ? BASH
                      : !strcmp(shell, "zsh")        ? ZSH
                      : !strcmp(shell, "fish")       ? FISH
                      : !strcmp(shell, "powershell") ? POWERSHELL
                                                     : NULL;
    if (!fmt) {
        log_printf(LOG_ERROR, "unknown command \"%s\" for \"c6 completion\"", shell);
        return 255;
    }
    /* bash lists candidates without descriptions whatever the flag */
    printf(fmt, desc && fmt != BASH ? "__complete" : "__completeNoDesc");
    return 0;
}
