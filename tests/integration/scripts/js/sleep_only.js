// VUs that only sleep: what their stacks keep resident is what init and an
// iteration touched (tests/integration/test_vu_memory.py).
import { sleep } from 'k6';
export default function () { sleep(1); }
