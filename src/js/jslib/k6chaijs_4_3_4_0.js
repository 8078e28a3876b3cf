// jslib's k6chaijs 4.3.4.0 and 4.3.4.1 (see k6chaijs.js): checks tagged with
// the values, names and errors cut at truncateMsgThreshold, and the module's
// default export the object {describe, expect, chai} (the bundle's exports).
import chai, { describe, expect, __c6_style } from 'c6:jslib/k6chaijs.js';

__c6_style({ tags: true, legacy: true, exitOnError: false });
chai.config.includeStack = false;

export { describe, expect, chai };
export default { describe, expect, chai };
