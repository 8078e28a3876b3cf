/* k6 archives (js/archive.c on util/tar.c): any input read as an archive
 * into a script's file cache. A hostile tar must be refused or read, never
 * read outside the input: every entry tar_next returns lies inside it, and
 * a loaded archive's main script is in the cache, which is then sealed.
 * Input: the tar. Seeds: k6 v2.2.0's archive-example.tar, a c6 archive.
 * FUZZ_ARGS: -max_len=65536 */
#include "fuzz.h"
#include "js/archive.h"
#include "util/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tar_reader r;
    tar_entry e;
    char err[512];
    tar_reader_init(&r, data, size);
    int got;
    while ((got = tar_next(&r, &e, err, sizeof err)) == 1) {
        if (e.data < data || e.data + e.size > data + size) abort();
        tar_entry_free(&e);
    }
    if (got < 0 && !err[0]) abort();

    script s;
    script_init(&s);
    archive_meta m;
    if (archive_load(data, size, &s, &m, err, sizeof err) == 0) {
        if (!s.sealed || !m.main_path || !script_open_file(&s, m.main_path)) abort();
        archive_meta_free(&m);
    } else if (!err[0]) {
        abort();
    }
    script_free(&s);
    return 0;
}
