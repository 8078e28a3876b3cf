"""`c6 completion bash|zsh|fish|powershell` (README "Shell completion"), as
k6 has it through cobra's default completion command (cobra's
completions.go: `k6 completion bash`, `--no-descriptions`, the hidden
`__complete` / `__completeNoDesc` commands the scripts call, whose answer is
a candidate a line, "name<TAB>description", then ":<directive>", 4 meaning
"no file names"). The candidates come from the tables the commands parse
with (cli/args.c, cli/control.c, cli/convert.c)."""
import os
import re
import shutil
import subprocess

import pytest


def c6_out(c6_bin, *args):
    p = subprocess.run([c6_bin, *args], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def bash_complete(c6_bin, script, *words, cwd=None):
    """COMPREPLY of the bash script's function for `c6 WORDS...` (the last
    word the one being completed), as bash's programmable completion calls it."""
    words_q = " ".join("'" + w.replace("'", "'\\''") + "'" for w in ("c6",) + words)
    prog = (f"source {script}\n"
            f"COMP_WORDS=({words_q}); COMP_CWORD={len(words)}; COMP_LINE=\"${{COMP_WORDS[*]}}\"\n"
            "_c6_complete c6 \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = dict(os.environ, PATH=os.path.dirname(c6_bin) + ":" + os.environ.get("PATH", ""))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], capture_output=True, text=True, timeout=30,
                       env=env, cwd=cwd, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return [x for x in p.stdout.split("\n") if x]


@pytest.fixture(scope="module")
def bash_script(c6_bin, tmp_path_factory):
    rc, out, err = c6_out(c6_bin, "completion", "bash")
    assert rc == 0, err
    path = tmp_path_factory.mktemp("completion") / "c6.bash"
    path.write_text(out)
    return str(path)


def test_bash_completes_commands_and_flags(c6_bin, bash_script, tmp_path):
    assert bash_complete(c6_bin, bash_script, "ru") == ["run"]
    assert bash_complete(c6_bin, bash_script, "run", "--vu") == ["--vus"]
    assert bash_complete(c6_bin, bash_script, "s") == ["server", "status", "scale", "stats", "stop"]
    assert bash_complete(c6_bin, bash_script, "completion", "") == ["bash", "zsh", "fish", "powershell"]
    # scale has -u/-m, the other control commands do not
    assert {"--vus", "--max", "--address"} <= set(bash_complete(c6_bin, bash_script, "scale", "--"))
    assert "--vus" not in bash_complete(c6_bin, bash_script, "status", "--")
    assert bash_complete(c6_bin, bash_script, "convert", "--o") == ["--output", "--only"]
    # archive's own flag, not run's
    assert bash_complete(c6_bin, bash_script, "archive", "--archive") == ["--archive-out"]
    assert bash_complete(c6_bin, bash_script, "run", "--archive") == []
    # a script, a flag's value: file names (cobra's default directive)
    (tmp_path / "load.js").write_text("")
    assert bash_complete(c6_bin, bash_script, "run", "lo", cwd=tmp_path) == ["load.js"]
    assert bash_complete(c6_bin, bash_script, "run", "--summary-export", "lo", cwd=tmp_path) == ["load.js"]
    # no file names where none is taken
    assert bash_complete(c6_bin, bash_script, "status", "lo", cwd=tmp_path) == []


def test_candidates_come_from_the_flag_tables(c6_bin):
    # every flag `c6 run --help` lists (args.c's table) is a candidate, with its
    # help, but for those of `c6 archive` only (run refuses them)
    rc, help_out, _ = c6_out(c6_bin, "run", "--help")
    listed = [m.group(1) for m in re.finditer(r"--([a-z0-9-]+) +(.*)", help_out.split("flags:", 1)[1])
              if not m.group(2).startswith("c6 archive:")]
    assert "archive-out" not in listed and len(listed) > 40
    rc, out, _ = c6_out(c6_bin, "__complete", "run", "--")
    assert rc == 0
    lines = out.splitlines()
    assert lines[-1] == ":4"
    cands = dict(line.split("\t", 1) for line in lines[:-1])
    assert sorted(listed) == sorted(k[2:] for k in cands), (listed, cands)
    assert cands["--vus"] == "number of virtual users (default 1)"
    # convert's, from its table
    rc, out, _ = c6_out(c6_bin, "convert", "--help")
    listed = set(re.findall(r"--([a-z0-9-]+)", out.split("Flags:", 1)[1]))
    rc, out, _ = c6_out(c6_bin, "__completeNoDesc", "convert", "--")
    assert "\t" not in out and {x[2:] for x in out.splitlines()[:-1]} == listed
    # short flags for "-"
    rc, out, _ = c6_out(c6_bin, "__completeNoDesc", "run", "-")
    assert {"-u", "-d", "-i", "--vus"} <= set(out.splitlines())
    # a flag's value: files (directive 0); the command line ends in ":0"
    rc, out, _ = c6_out(c6_bin, "__complete", "run", "-u", "")
    assert out == ":0\n"


def test_zsh_fish_powershell_scripts(c6_bin):
    scripts = {}
    for shell in ("zsh", "fish", "powershell"):
        rc, out, err = c6_out(c6_bin, "completion", shell)
        assert rc == 0, err
        scripts[shell] = out
        assert "__complete " in out  # descriptions by default, as cobra
        rc, nodesc, err = c6_out(c6_bin, "completion", shell, "--no-descriptions")
        assert rc == 0 and "__completeNoDesc " in nodesc and "__complete " not in nodesc
    assert scripts["zsh"].startswith("#compdef c6\n") and "compdef _c6 c6" in scripts["zsh"]
    assert "complete -c c6 -f -a '(__c6_complete)'" in scripts["fish"]
    assert "Register-ArgumentCompleter -Native -CommandName 'c6'" in scripts["powershell"]
    # the shells themselves check the syntax when installed (not installed by the tests)
    for shell, flag in (("zsh", "-n"), ("fish", "--no-execute")):
        exe = shutil.which(shell)
        if exe:
            p = subprocess.run([exe, flag], input=scripts[shell], capture_output=True, text=True, timeout=30)
            assert p.returncode == 0, p.stderr
    # bash parses its script too
    rc, out, _ = c6_out(c6_bin, "completion", "bash")
    p = subprocess.run(["bash", "-n"], input=out, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


def test_completion_command_usage(c6_bin):
    rc, out, _ = c6_out(c6_bin, "completion")  # cobra: the command alone prints its help
    assert rc == 0 and "bash" in out and "--no-descriptions" in out
    rc, out, err = c6_out(c6_bin, "completion", "tcsh")
    assert rc == 255 and 'unknown command \\"tcsh\\" for \\"c6 completion\\"' in err
    rc, out, err = c6_out(c6_bin, "completion", "bash", "--bogus")
    assert rc == 255 and "unknown flag: --bogus" in err
