#!/usr/bin/env node
import type { Handler } from 'aws-lambda';
import { type A, B } from 'mixed';
export type { C } from 'types';
import fs = require('node:fs/promises');
