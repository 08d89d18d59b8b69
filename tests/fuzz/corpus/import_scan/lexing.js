// require('comment')
/* import x from 'block' */
const s = "require('string')", t = 'it\'s';
const u = `a ${ { k: '}' }.k } b ${require('inside')} c`;
const re = /['"`]\/(x)/gi, q = a / b / c;
if (key.match(/\.(jpg|png)$/i)) console.log(import.meta.url);
obj.require('member'); const o = { require: 1, import: 2 };
