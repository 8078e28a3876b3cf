// A threshold on a metric no one defines.
export const options = {
  thresholds: { no_such_metric: ['count>0'] },
};

export default function () {}
