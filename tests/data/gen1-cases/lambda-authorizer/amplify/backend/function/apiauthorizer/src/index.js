// AppSync Lambda authorizer: the token 'letmein' is allowed.
exports.handler = async (event) => ({
  isAuthorized: event.authorizationToken === 'letmein',
  ttlOverride: 300,
});
