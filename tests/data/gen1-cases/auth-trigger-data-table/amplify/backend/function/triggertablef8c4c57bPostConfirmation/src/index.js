const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');

const client = new DynamoDBClient({});

// Gives every confirmed user a first Todo.
exports.handler = async (event) => {
  await client.send(new PutItemCommand({
    TableName: process.env.API_TRIGGERTABLE_TODOTABLE_NAME,
    Item: { id: { S: event.userName }, name: { S: 'welcome' } },
  }));
  return event;
};
