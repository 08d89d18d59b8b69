// Gen1's custom-message 'verification-link' trigger: the sign-up email
// carries a link to the confirmation page in the verification bucket.
exports.handler = async (event) => {
  if (event.triggerSource === 'CustomMessage_SignUp') {
    const { codeParameter } = event.request;
    const { userName, region } = event;
    const { clientId } = event.callerContext;
    const redirect = process.env.REDIRECTURL;
    const link = `${redirect}/?data=${Buffer.from(JSON.stringify({ userName, codeParameter, clientId, region })).toString('base64')}`;
    event.response.emailSubject = process.env.EMAILSUBJECT;
    event.response.emailMessage = `${process.env.EMAILMESSAGE} <a href="${link}">${link}</a>`;
  }
  return event;
};
