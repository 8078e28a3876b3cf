/* `c6 kube`: the Kubernetes manifests of a distributed run (README,
 * "Distributed runs", "On Kubernetes"). */
#ifndef C6_DIST_KUBE_H
#define C6_DIST_KUBE_H

/* c6 kube [run's flags] script.js|file.tar --instances N [--namespace NS]
 * [--image IMAGE] [--name NAME] [--token T] [--listen HOST:PORT]
 * [--cpu Q] [--memory Q] [--cpu-limit Q] [--memory-limit Q]
 * [--archive-file PATH] [--archive-claim CLAIM]: the YAML on stdout, 0; or
 * 255 for bad flags (logged), or the archive step's exit code (a broken
 * script: 107, bad options: 104).
 * c6 kube --wait-for HOST:PORT [--wait-timeout SECONDS]: the agents' init
 * step, 0 once HOST:PORT accepts a TCP connection, 1 after the timeout.
 * argv[0] is the first argument after "kube". */
int kube_main(int argc, char **argv);

#endif
