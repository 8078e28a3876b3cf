// Imports a module that does not exist.
import { nothing } from './no_such_module.js';

export default function () {
  nothing();
}
