const a = require('a');
import b, { c as d, type E } from "@scope/b/sub";
import * as ns from 'ns';
import 'side-effect';
export * from './local';
export { x } from 'x';
const f = await import(`f`);
const g = require(`./${name}`);
const h = require('lib-' + flavour);
