// Reports what __ENV holds for three variables.
export default function () {
  console.log(JSON.stringify({
    cli: __ENV.C6_T_CLI === undefined ? null : __ENV.C6_T_CLI,
    sys: __ENV.C6_T_SYS === undefined ? null : __ENV.C6_T_SYS,
    both: __ENV.C6_T_BOTH === undefined ? null : __ENV.C6_T_BOTH,
  }));
}
