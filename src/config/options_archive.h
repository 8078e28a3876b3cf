/* The consolidated options as k6 writes them in an archive (metadata.json's
 * "options"): every lib.Options key, null where unset. */
#ifndef C6_OPTIONS_ARCHIVE_H
#define C6_OPTIONS_ARCHIVE_H
#include "config/options.h"

struct cJSON;
/* A new cJSON object (the caller deletes it). */
struct cJSON *options_to_archive_json(const c6_options *o);

#endif
