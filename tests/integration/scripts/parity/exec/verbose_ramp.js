// --verbose: k6's VU handles log "Start", "Graceful stop" and "Hard stop"
// (lib/executor/vu_handle.go start/gracefulStop/hardStop, logger fields
// executor, scenario from internal/execution/scheduler.go NewScheduler and
// vuNum from lib/executor/ramping_vus.go runLoopsIfPossible), and
// trackProgress (lib/executor/helpers.go) logs "Regular duration is done,
// waiting for iterations to gracefully finish" with gracefulStop.
// VU 1 (vuNum=1) is ramped down at 1 s and hard-stopped 200 ms later; VU 0
// is gracefully stopped at the end (2 s) and hard-stopped 300 ms later.
// The code after an interrupted sleep() does not run.
import { sleep } from 'k6';
export const options = {
  scenarios: {
    r: {
      executor: 'ramping-vus', startVUs: 2, gracefulRampDown: '200ms', gracefulStop: '300ms',
      stages: [{ duration: '1s', target: 2 }, { duration: '0s', target: 1 }, { duration: '1s', target: 1 }],
    },
  },
};
export default function () { sleep(5); console.log('after sleep'); }
