// Confirms the user and names the Todo table it writes the first Todo to.
// (The SDK call is left out: what the case shows is the table reference in
// the environment and the role policy, which made AWS's generator build a
// circular dependency between the auth and data stacks.)
exports.handler = async (event) => {
  console.log('first Todo goes to', process.env.API_TRIGGERTABLE_TODOTABLE_NAME);
  return event;
};
