// jslib's k6chaijs (https://jslib.k6.io/k6chaijs/...): the real chai
// (Debian's libjs-chai, built into c6 as c6:jslib/chai.js) with the glue that
// makes every assertion a k6 check, written for c6 after the jslib's
// behaviour (grafana/k6-jslib-k6chaijs, as published in 4.5.0.x):
// - chai's assert() is replaced: each assertion records a check, passed or
//   failed; its name is chai's message for the assertion with "but " taken
//   out once (chai words them for failures), #{exp} shown, and with the
//   default aggregateChecks the asserted value as the expect() message, or
//   the text ${this} (and ${actual}), so one assertion is one check whatever
//   values it sees; names and errors are cut to truncateVariableThreshold
//   (100) characters and "...".
// - A failed assertion throws chai's AssertionError with the message showing
//   the values; describe() (a group) catches it and returns false; any other
//   exception is logged and recorded as the failed check
//   `Exception raised "<error>"`.
// - config: truncateVariableThreshold 100, truncateMsgThreshold 300,
//   aggregateChecks true, logFailures false (true: console.warn the failure),
//   exitOnError false (true: a failure aborts the test with its message).
// - expect(...).anonymize(fn) and expect(response).to.have.validJsonBody().
// Older versions differ (k6chaijs_4_3_4_0.js and k6chaijs_4_3_4_2.js set it
// through __c6_style): up to 4.3.4.2 every check carries the tags this,
// actual and expected (the values shown; 4.3.4.3 dropped them, "reduces the
// amount of time series", jslib.k6.io#82), and 4.3.4.0/4.3.4.1 cut names and
// errors at truncateMsgThreshold (300), read validJsonBody's response.json()
// without a selector through the assertion itself and have no exitOnError.
import chai from 'c6:jslib/chai.js';
import { check, group } from 'k6';
import exec from 'k6/execution';

const { util, config } = chai;
config.truncateVariableThreshold = 100;
config.truncateMsgThreshold = 300;
config.aggregateChecks = true;
config.logFailures = false;
config.exitOnError = false;

const style = { tags: false, legacy: false, exitOnError: true };
export function __c6_style(s) { Object.assign(style, s); }

const cut = (s = '', n = 250) => (s.length > n ? `${s.substring(0, n)}...` : s);
const shown = (v) => cut(util.objDisplay(v), config.truncateVariableThreshold);
const placeholder = (name) => new RegExp(`#\\{${name}\\}`, 'g');

// chai's message for the assertion with #{exp} filled in; #{this} and #{act} stay.
function template(assertion, args) {
  const [, message, negatedMessage, expected] = args;
  let m = util.flag(assertion, 'negate') ? negatedMessage : message;
  m = m.replace('but ', '');
  const anonymize = util.flag(assertion, 'anonymizeMsgFunction');
  if (anonymize) m = anonymize(m);
  if (typeof m === 'function') m = m();
  return (m || '').replace(placeholder('exp'), () => shown(expected));
}

// The message with the values: the AssertionError's (and, with
// aggregateChecks off, the check's name, after the expect() message).
function fullText(assertion, text, args) {
  const label = util.flag(assertion, 'message');
  let out = text
    .replace(placeholder('this'), () => shown(util.flag(assertion, 'object')))
    .replace(placeholder('act'), () => shown(util.getActual(assertion, args)));
  if (label && !config.aggregateChecks) out = `${label}: ${out}`;
  return out;
}

// The check's name with aggregateChecks: no values but the expected one.
function aggregatedName(assertion, text, limit) {
  const label = util.flag(assertion, 'message');
  return cut(text.replace(placeholder('this'), () => label || '${this}').replace(placeholder('act'), () => '${actual}'), limit);
}

chai.Assertion.overwriteMethod('assert', () =>
  function (expression, message, negatedMessage, expected, actualArg, showDiff) {
    showDiff = !expected && !actualArg;
    const args = [expression, message, negatedMessage, expected, actualArg, showDiff];
    const ok = util.test(this, args);
    const actual = util.getActual(this, args);
    const text = template(this, args);
    const full = fullText(this, text, args);
    const limit = style.legacy ? config.truncateMsgThreshold : config.truncateVariableThreshold;
    let name = config.aggregateChecks ? aggregatedName(this, text, limit) : full;
    if (style.legacy && !config.aggregateChecks) name = cut(name, limit);
    if (style.tags) {
      const object = util.flag(this, 'object');
      check(null, { [name]: () => ok }, { this: shown(object), actual: shown(actual), expected: shown(expected) });
    } else {
      check(null, { [name]: () => ok });
    }
    if (!ok) {
      const shownMessage = cut(full, limit);
      const operator = util.getOperator(this, args);
      if (config.logFailures) console.warn(shownMessage);
      if (config.exitOnError && style.exitOnError) exec.test.abort(shownMessage);
      throw new chai.AssertionError(shownMessage, { actual, expected, showDiff, operator },
        config.includeStack ? chai.assert : util.flag(this, 'ssfi'));
    }
  });

chai.Assertion.addMethod('anonymize', function (fn = (m = '') => m.replace(placeholder('this'), () => '<anonymized>')) {
  util.flag(this, 'anonymizeMsgFunction', fn);
});

chai.Assertion.addMethod('validJsonBody', function () {
  const response = util.flag(this, 'object');
  let ok = true;
  try {
    if (style.legacy) response.json();
    else response.json('__unlikelyidefintifier1'); // a selector, as the jslib reads it
  } catch (e) {
    ok = false;
  }
  if (style.legacy) this.assert(ok, 'has valid json body', 'does not have a valid json body', null, null);
  else chai.assert(ok, 'has valid json body', 'does not have a valid json body', null, null);
});

export function describe(name, fn) {
  let success = true;
  group(name, () => {
    try {
      fn();
      success = true;
    } catch (error) {
      if (error.name !== 'AssertionError') {
        console.error(`Exception raised in test "${name}". Failing the test and continuing. \n${error}`);
        check(null, { [`Exception raised "${error}"`]: () => false });
      }
      success = false;
    }
  });
  return success;
}

export const expect = chai.expect;
export { chai };
export default chai;
