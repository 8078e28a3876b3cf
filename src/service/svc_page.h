/* The test-run service's web page (src/service/page.html, built in): the
 * runs and a run's page, drawn in the browser from the REST API, and each
 * run's web dashboard report, which the run's coordinator exports
 * (K6_WEB_DASHBOARD_EXPORT) into the run's directory. */
#ifndef C6_SERVICE_SVC_PAGE_H
#define C6_SERVICE_SVC_PAGE_H
#include <microhttpd.h>
#include <stdbool.h>

/* The report's name in a run's directory. */
#define SVC_REPORT_FILE "report.html"

/* true for the page's own paths: "/" and "/runs/ID" (no token: the page
 * asks for it, and sends it with its API requests). */
bool svc_page_path(const char *url);
enum MHD_Result svc_page_send(struct MHD_Connection *c);
/* The run's report (GET /v1/runs/ID/report, after the token check), or a
 * 404 when there is none (a run refused, stopped before its start, still
 * running, ...). */
enum MHD_Result svc_page_report(struct MHD_Connection *c, const char *run_dir);
/* The environment of a run's coordinator: this process's, its own
 * K6_WEB_DASHBOARD* replaced by a dashboard without a server exporting
 * RUN_DIR/report.html with a snapshot a second. NULL when out of memory;
 * free with svc_page_env_free. */
char **svc_page_coordinator_env(const char *run_dir);
void svc_page_env_free(char **env);
#endif
