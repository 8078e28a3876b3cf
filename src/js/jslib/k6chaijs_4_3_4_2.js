// jslib's k6chaijs 4.3.4.2 (see k6chaijs.js): checks tagged with the values.
import chai, { describe, expect, __c6_style } from 'c6:jslib/k6chaijs.js';

__c6_style({ tags: true, legacy: false, exitOnError: false });

export { describe, expect, chai };
export default chai;
