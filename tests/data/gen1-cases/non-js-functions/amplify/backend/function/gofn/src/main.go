package main

import "github.com/aws/aws-lambda-go/lambda"

func handle() (string, error) { return "from go", nil }

func main() { lambda.Start(handle) }
