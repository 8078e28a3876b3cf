/* c6's version: `c6 version`, and the hello of a distributed run's agent
 * (an agent of another version is refused). */
#ifndef C6_VERSION_H
#define C6_VERSION_H
#define C6_VERSION "0.1.0"
#endif
