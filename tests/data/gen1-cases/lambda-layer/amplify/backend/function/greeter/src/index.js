const { greet } = require('/opt/nodejs/utils');

exports.handler = async (event) => ({ statusCode: 200, body: greet(event.name ?? 'world') });
